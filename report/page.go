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
}

// pageTemplate is report.html: plain HTML and CSS, no script, images referenced beside the page; void
// elements are closed (<img ... />) so the page is also well-formed XML, which the tests check.
var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 1500px; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; }
figure { display: inline-block; margin: 0.3em; vertical-align: top; max-width: 684px; }
figure.wide { display: block; max-width: none; }
figure img { border: 1px solid #ddd; image-rendering: pixelated; }
figcaption { font-size: 0.85em; color: #444; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
ul.worse li { color: #8a1c00; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>Written {{.Generated}} by tidal report.</p>

<h2 id="verdict">Where a model does worse than a reference</h2>
{{if not .References}}<p>No reference forecast (persistence, climatology) was given, so no model is compared with one.</p>
{{else if not .Compared}}<p>Only references were scored ({{range $i, $r := .References}}{{if $i}}, {{end}}{{$r}}{{end}}): no model is compared with them.</p>
{{else if .Shortfalls}}<ul class="worse">{{range .Shortfalls}}<li>{{.String}}</li>{{end}}</ul>
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
