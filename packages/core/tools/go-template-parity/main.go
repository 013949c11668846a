package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

var funcs = template.FuncMap{
	"json": func(v interface{}) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"split": strings.Split, "join": strings.Join, "title": strings.Title, "lower": strings.ToLower, "upper": strings.ToUpper,
	"pad": func(s string, p, q int) string {
		if s == "" {
			return s
		}
		return strings.Repeat(" ", p) + s + strings.Repeat(" ", q)
	},
	"truncate": func(s string, n int) string {
		if len(s) < n {
			return s
		}
		return s[:n]
	},
}

type tc struct {
	Tpl  string          `json:"tpl"`
	Data json.RawMessage `json:"data"`
}

func main() {
	var cases []tc
	json.NewDecoder(os.Stdin).Decode(&cases)
	out := []map[string]string{}
	for _, c := range cases {
		dec := json.NewDecoder(bytes.NewReader(c.Data))
		dec.UseNumber()
		var data interface{}
		dec.Decode(&data)
		t, err := template.New("").Funcs(funcs).Parse(c.Tpl)
		if err != nil {
			out = append(out, map[string]string{"err": "parse: " + err.Error()})
			continue
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			out = append(out, map[string]string{"err": "exec: " + err.Error()})
			continue
		}
		out = append(out, map[string]string{"out": b.String()})
	}
	json.NewEncoder(os.Stdout).Encode(out)
	_ = fmt.Sprint
}
