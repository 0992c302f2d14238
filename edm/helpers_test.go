package edm

// zLimit bounds the largest |z|-score of a correct sampler's moments (fixed seeds); zWrong is what a
// deliberately wrong sampler must exceed, so a test would catch it.
const zLimit, zWrong = 4.5, 10
