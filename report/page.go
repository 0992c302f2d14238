package report

import "html/template"

// page is what the HTML template shows.
type page struct {
	Title, Generated                     string
	Meta                                 []pair
	References                           []string
	Shortfalls                           []Shortfall
	Compared                             bool // some score is not a reference
	Training, Skill, Rollout, Animations []figure
	ScoreTables                          []table
	RolloutTable, RunTable               *table
	Provenance                           []source
	// Headline holds the first sentences (best model, skill against the references, calibration) and
	// Best the best model's label; empty when no model has a CRPS.
	Headline       []string
	Best           string
	Scorecard      *Scorecard
	ScorecardLeads []string
}

// pageTemplate is report.html: plain HTML and CSS, no script, images referenced beside the page; void
// elements are closed (<img ... />) so the page is also well-formed XML, which the tests check.
var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.2em; color: #222; max-width: 1500px; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; }
figure { display: inline-block; margin: 0.3em; vertical-align: top; max-width: 642px; }
figure.wide { display: block; max-width: none; }
figure img { border: 1px solid #ddd; image-rendering: pixelated; }
figcaption { font-size: 0.85em; color: #444; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
ul.worse li { color: #8a1c00; }
.headline { font-size: 1.05em; line-height: 1.45; background: #f4f7fb; border-left: 4px solid #0072b2; padding: 0.4em 0.9em; margin: 0.6em 0; }
.headline p { margin: 0.25em 0; }
table.scorecard td { text-align: center; min-width: 4.2em; padding: 3px 6px; }
table.scorecard td.model, table.scorecard td.metric { text-align: left; }
.key span { display: inline-block; padding: 1px 6px; font-size: 0.8em; }
details { margin: 0.5em 0; } summary { cursor: pointer; font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Headline}}<div class="headline" id="headline">{{range $i, $s := .Headline}}<p>{{if eq $i 0}}<b>Best model: <span id="best-model">{{$.Best}}</span>.</b> {{end}}{{$s}}</p>{{end}}</div>
{{end}}
{{with .Scorecard}}<h2 id="scorecard">Scorecard: skill against {{.Reference}}</h2>
<table class="scorecard"><tr><th>model</th><th>score</th>{{range $.ScorecardLeads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="model">{{if eq .Model $.Best}}<b>{{.Model}}</b>{{else}}{{.Model}}{{end}}</td><td class="metric">{{.Metric}}</td>{{range .Cells}}<td style="background: {{.Background}}; color: {{.Fg}}" title="{{.Tooltip}}">{{.Text}}</td>{{end}}</tr>
{{end}}</table>
<p class="key">Skill 1 − score/score<sub>{{.Reference}}</sub> (CRPSS for the CRPS), colour key: {{range .LegendStops}}<span style="background: {{.Background}}; color: {{.Fg}}">{{.Text}}</span>{{end}}
Blue: better than {{.Reference}}; red: worse. ○: the paired-bootstrap interval over cases includes 0 (not significant). Hover a cell for its values and interval.</p>
{{end}}
<p>Written {{.Generated}} by tidal report.</p>

<h2 id="verdict">Where a model does worse than a reference</h2>
{{if not .References}}<p>No reference forecast (persistence, climatology) was given, so no model is compared with one.</p>
{{else if not .Compared}}<p>Only references were scored ({{range $i, $r := .References}}{{if $i}}, {{end}}{{$r}}{{end}}): no model is compared with them.</p>
{{else if .Shortfalls}}<details><summary>{{len .Shortfalls}} run(s) of leads where a model does worse than {{range $i, $r := .References}}{{if $i}} or {{end}}{{$r}}{{end}} in some score (click to open)</summary><ul class="worse">{{range .Shortfalls}}<li>{{.String}}</li>{{end}}</ul></details>
{{else}}<p>No model does worse than {{range $i, $r := .References}}{{if $i}} or {{end}}{{$r}}{{end}} at any lead in any scored metric.</p>{{end}}

{{define "figs"}}{{range .}}<figure{{if .Wide}} class="wide"{{end}}><img src="{{.File}}" alt="{{.Title}}"{{if .Width}} width="{{.Width}}" height="{{.Height}}"{{end}} /><figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption></figure>
{{end}}{{end}}
{{if .Training}}<h2 id="training">Training</h2>{{template "figs" .Training}}{{end}}
{{if .Skill}}<h2 id="skill">Forecast skill per lead</h2>{{template "figs" .Skill}}{{end}}
{{if .Rollout}}<h2 id="rollout">Long rollouts</h2>{{template "figs" .Rollout}}{{end}}
{{if .Animations}}<h2 id="animations">Animations</h2>{{template "figs" .Animations}}{{end}}

{{define "table"}}<table><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{end}}
<h2 id="numbers">Every number</h2>
{{range .ScoreTables}}<h3>{{.Title}} <small>({{.Source}})</small></h3>{{template "table" .}}{{end}}
{{with .RolloutTable}}<h3>{{.Title}}</h3>{{template "table" .}}{{end}}
{{with .RunTable}}<h3>{{.Title}}</h3>{{template "table" .}}{{end}}

<h2 id="provenance">Provenance: commands, seeds, versions, backend</h2>
{{if .Meta}}<table>{{range .Meta}}<tr><td>{{.Key}}</td><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{range .Provenance}}<h3>{{.Kind}} {{.Label}} <small>({{.File}})</small></h3>
{{if .Settings}}<table>{{range .Settings}}<tr><td>{{.Key}}</td><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{end}}
</body>
</html>
`))
