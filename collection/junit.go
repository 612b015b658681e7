package collection

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes a run as JUnit XML, the report CI systems read: one
// test suite named suite, one test case per request (named by the
// request, classed by its method), a failure with its one line as the
// message and its detail as the text, and the requests a cut-short run did
// not reach as skipped. started is when the run began, took how long it
// ran.
func WriteJUnit(w io.Writer, suite string, s Summary, started time.Time, took time.Duration) error {
	js := junitSuite{
		Name: suite, Tests: len(s.Results) + len(s.NotRun), Failures: s.Failed, Skipped: len(s.NotRun),
		Time: seconds(took), Timestamp: started.UTC().Format("2006-01-02T15:04:05"),
	}
	for _, r := range s.Results {
		c := junitCase{Name: r.Name, ClassName: r.Method, Time: seconds(r.Took)}
		if !r.Passed {
			c.Failure = &junitFailure{Message: r.Failure, Type: "FAIL", Text: r.Detail}
		}
		js.Cases = append(js.Cases, c)
	}
	for _, name := range s.NotRun {
		js.Cases = append(js.Cases, junitCase{Name: name, Time: seconds(0), Skipped: &junitSkipped{Message: "not run: the run was cut short"}})
	}
	doc := junitSuites{Name: "sockscope", Tests: js.Tests, Failures: js.Failures, Skipped: js.Skipped, Time: js.Time, Suites: []junitSuite{js}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
