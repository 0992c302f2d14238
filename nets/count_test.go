package nets

import "testing"

// tinyConfig is the network whose parameters and FLOPs are counted by hand below.
func tinyConfig() Config {
	return Config{InChannels: 2, OutChannels: 1, Channels: 4, Mults: []int{1, 2}, Blocks: 1, Groups: 2, EmbedChannels: 8}
}

// TestNumParamsHandCount checks NumParams against a count done by hand, layer by layer:
//
//	embedding  4·8+8 + 8·8+8                                           =  112
//	conv_in    9·2·4+4                                                 =   76
//	enc0       GN 8, conv 148, emb 36, GN 8, conv 148                  =  348
//	enc1       GN 8, conv 9·4·8+8 = 296, emb 72, GN 16, conv 584, skip 40 = 1016
//	mid        block 1272 (16+584+72+16+584), attention 16+4·72 = 304, block 1272
//	dec1       16→8: 32+1160+72+16+584+136 = 2000; 12→8: 24+872+72+16+584+104 = 1672
//	dec0       12→4: 24+436+36+8+148+52 = 704;  8→4: 16+292+36+8+148+36 = 536
//	out        GN 8, conv 9·4·1+1                                      =   45
//
// total 9357. The variables the graph creates are checked against NumParams in TestUNetStartsAtZero.
func TestNumParamsHandCount(t *testing.T) {
	u := mustNew(t, tinyConfig())
	if n := u.NumParams(); n != 9357 {
		t.Errorf("NumParams = %d, want 9357", n)
	}
}

// TestFLOPsHandCount checks FLOPs for one 4×4 image (16 positions at level 0, 4 at level 1), by hand:
//
//	embedding  2·4·8 = 64, 2·8·8 = 128; conv_in 2·16·9·2·4 = 2304
//	enc0       2·(2·16·9·16) + 2·8·4                                   =  9280
//	enc1       2·4·9·32 + 2·4·9·64 + 2·8·8 + 2·4·32                   =  7296
//	mid        9344 + attention (4·2·4·64 + 2·2·16·8 = 2560) + 9344
//	dec1       16→8: 9216+4608+128+1024 = 14976;  12→8: 6912+4608+128+768 = 12416
//	dec0       12→4: 13824+4608+64+1536 = 20032;   8→4: 9216+4608+64+1024 = 14912
//	out        2·16·9·4 = 1152
//
// forward 103808; training 3·103808 − (64 + 2304) = 309056 (the first embedding layer and conv_in
// need no input gradient).
func TestFLOPsHandCount(t *testing.T) {
	u := mustNew(t, tinyConfig())
	f := u.FLOPs(1, 4, 4)
	if f.Forward != 103808 || f.Training != 309056 {
		t.Errorf("FLOPs = %+v, want forward 103808, training 309056", f)
	}
	if g := u.FLOPs(3, 4, 4); g.Forward != 3*f.Forward {
		t.Errorf("FLOPs do not scale with the batch: %g for 3 images, %g for 1", g.Forward, f.Forward)
	}
}
