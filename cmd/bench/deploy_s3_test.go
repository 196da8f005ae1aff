package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestStoreOrderAlternates(t *testing.T) {
	for rep, want := range map[int][]string{
		1: {storeFS, storeS3}, 2: {storeS3, storeFS}, 3: {storeFS, storeS3}, 4: {storeS3, storeFS},
	} {
		if got := storeOrder(rep); !slices.Equal(got, want) {
			t.Errorf("storeOrder(%d) = %v; want %v", rep, got, want)
		}
	}
}

func rounds(perSecond ...float64) []deployRun {
	var out []deployRun
	for _, p := range perSecond {
		out = append(out, deployRun{Count: 50, Concurrency: 50, PerSecond: p})
	}
	return out
}

func TestS3ReportJudge(t *testing.T) {
	for _, c := range []struct {
		name         string
		fs, s3       []deployRun
		s3Failed     int
		fsMed, s3Med float64
		ratio        float64
		verdict      string
	}{
		// The medians of each side's own rounds, side by side.
		{"pass", rounds(10, 30, 20), rounds(17, 16, 40), 0, 20, 17, 0.85, "PASS"},
		{"even rounds", rounds(10, 20, 30, 40), rounds(20, 20, 20, 20), 0, 25, 20, 0.8, "PASS"},
		{"slow S3", rounds(20, 20, 20), rounds(15, 15, 15), 0, 20, 15, 0.75, "FAIL"},
		{"a failed deployment", rounds(20, 20, 20), rounds(20, 20, 20), 1, 20, 20, 1, "FAIL"},
		{"no filesystem rounds", nil, rounds(20), 0, 0, 20, 0, "FAIL"},
		{"no S3 rounds", rounds(20), nil, 0, 20, 0, 0, "FAIL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &s3Report{Order: storeOrder(1), Filesystem: storeRun{Store: storeFS, Rounds: c.fs}, S3: storeRun{Store: storeS3, Rounds: c.s3}}
			if c.s3Failed > 0 {
				r.S3.Rounds[0].Failed = c.s3Failed
			}
			r.judge()
			if r.FSPerSecond != c.fsMed || r.Filesystem.PerSecond != c.fsMed || r.PerSecond != c.s3Med || r.S3.PerSecond != c.s3Med {
				t.Errorf("medians: filesystem %v (side %v), S3 %v (side %v); want %v and %v",
					r.FSPerSecond, r.Filesystem.PerSecond, r.PerSecond, r.S3.PerSecond, c.fsMed, c.s3Med)
			}
			if diff := r.Ratio - c.ratio; diff > 1e-9 || diff < -1e-9 || r.Verdict != c.verdict {
				t.Errorf("ratio %v %s; want %v %s", r.Ratio, r.Verdict, c.ratio, c.verdict)
			}
		})
	}
}

func TestS3ReportText(t *testing.T) {
	r := &s3Report{Order: storeOrder(2),
		Filesystem: storeRun{Store: storeFS, Rounds: rounds(20, 22)},
		S3:         storeRun{Store: storeS3, Rounds: rounds(18, 19)}}
	r.judge()
	var b bytes.Buffer
	r.writeText(&b)
	out := b.String()
	for _, want := range []string{
		"order S3, then filesystem",
		"deployments/s with S3 ÷ with filesystem >= 0.8x at 50 concurrent",
		"medians 18.50/s and 21.00/s, 0.88x -> PASS",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "    S3: median") > strings.Index(out, "    filesystem: median") {
		t.Errorf("the stores are not printed in the order measured:\n%s", out)
	}
}
