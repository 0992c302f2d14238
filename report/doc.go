// Package report turns tidal's outputs (training runs, score and rollout JSONs, forecast NPYs) into one
// self-contained folder: report.html with its PNG plots and GIF animations beside it. docs/REPORT.md lists
// what the report holds, the inputs it reads and the colour maps it draws with.
package report
