package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"strings"
	"time"

	"github.com/dashstream/acceptance/steps/evidence"
)

//go:embed report.html.tmpl
var pageTemplate string

//go:embed style.css
var styleSheet string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	// css inlines the package's own stylesheet, a constant: never recorded data.
	"css":   func() template.CSS { return template.CSS(styleSheet) },
	"lower": strings.ToLower,
	"slug":  func(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") },
	"sum": func(n ...int) (t int) {
		for _, v := range n {
			t += v
		}
		return t
	},
}).Parse(pageTemplate))

// renderHTML renders report.html for run (a snapshot); files are the report's other
// files, linked from the footer.
func renderHTML(run *evidence.Run, files []string) ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, buildPage(run, files, time.Now())); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
