package collection

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"
)

func TestJUnitReadsBack(t *testing.T) {
	sum := Summary{
		Results: []Result{
			{Name: "echo", Method: "sample.v1.Echo/Echo", Passed: true, Took: 3 * time.Millisecond},
			{Name: "gone", Method: "sample.v1.Echo/Fail", Took: time.Millisecond, Failure: "code NotFound, want OK: gone \x1b[31m", Detail: `{"code": "NOT_FOUND"}`},
		},
		Passed: 1, Failed: 1, NotRun: []string{"later"},
	}
	var b bytes.Buffer
	if err := WriteJUnit(&b, "sockscope.yaml", sum, time.Now(), 12*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				ClassName string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the report is not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || len(doc.Suites) != 1 || doc.Suites[0].Name != "sockscope.yaml" || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("%+v\n%s", doc, b.String())
	}
	cases := doc.Suites[0].Cases
	if cases[0].Name != "echo" || cases[0].ClassName != "sample.v1.Echo/Echo" || cases[0].Time != "0.003" || cases[0].Failure != nil {
		t.Errorf("passed case: %+v", cases[0])
	}
	if f := cases[1].Failure; f == nil || f.Text != `{"code": "NOT_FOUND"}` || f.Message[:20] != "code NotFound, want " {
		t.Errorf("failed case: %+v", cases[1])
	}
	if cases[2].Skipped == nil {
		t.Errorf("the request not run is not skipped: %+v", cases[2])
	}
}
