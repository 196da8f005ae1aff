package main

import "fmt"

// finish builds the closing summary from every repetition's reports: one
// row per figure, judged rows passing only when every repetition passed.
func (r *report) finish() {
	s := newSummary(r.Config.Reps)
	s.once("api RSS at start, idle", "MB", fmt.Sprintf("< %.0f MB", targetIdleRSSMB), r.Memory.IdleMB, r.Memory.IdleMB < targetIdleRSSMB)
	for _, p := range r.Passes {
		for _, e := range p.Endpoints {
			at := fmt.Sprintf("%s at %.0f/s", e.Name, e.TargetRate)
			if e.Target != "" {
				s.judged(at+", p95", "ms", fmt.Sprintf("< %.0f ms", ms(targetP95)), e.P95Ms, e.OK > 0 && e.P95Ms < ms(targetP95))
				s.judged(at+", achieved", "req/s", fmt.Sprintf(">= %.0f", targetRateShare*e.TargetRate), e.Throughput, e.Throughput >= targetRateShare*e.TargetRate)
			} else {
				s.info(at+", p95", "ms", e.P95Ms)
			}
			s.info(at+", p99", "ms", e.P99Ms)
		}
		s.info("api RSS after the GET load", "MB", p.AfterLoadRSSMB)
		if c := p.Compare; c != nil {
			for _, rc := range c.Routes {
				s.info(rc.Route+" saturation, platform", "req/s", rc.Platform.Best)
				s.info(rc.Route+" saturation, baseline", "req/s", rc.Baseline.Best)
				s.judged(rc.Route+" platform/baseline", "x", fmt.Sprintf(">= %.2fx", targetRatio), rc.Ratio, rc.Verdict == "PASS")
			}
			if c.Rate > 0 {
				at := fmt.Sprintf("GET /api/templates at %.0f/s", c.Rate)
				s.judged(at+", platform p99", "ms", fmt.Sprintf("< %.0f ms", ms(targetCompareP99)), c.Platform.P99Ms, c.P99Verdict == "PASS")
				s.info(at+", baseline p99", "ms", c.Baseline.P99Ms)
			}
		}
		if e := p.Events; e != nil {
			at := fmt.Sprintf("live events (%d clients, %.0f/s)", e.Clients, e.RatePerSecond)
			s.judged(at+" commit->client p95", "ms", fmt.Sprintf("< %.0f ms", targetEventsP95Ms), e.P95Ms, e.Deliveries > 0 && e.P95Ms < targetEventsP95Ms)
			s.judged(at+" commit->client p99", "ms", fmt.Sprintf("< %.0f ms", targetEventsP99Ms), e.P99Ms, e.Deliveries > 0 && e.P99Ms < targetEventsP99Ms)
			s.judged(at+" missing deliveries", "count", "0", float64(e.Missing), e.Missing == 0)
			s.judged(fmt.Sprintf("api RSS with %d idle WebSocket clients", e.Clients), "MB", fmt.Sprintf("< %.0f MB", targetEventsRSSMB), e.IdleRSSMB, e.RSSOK == "PASS")
		}
		if d := p.Deploy; d != nil {
			s.judged("single deployment p50", "ms", fmt.Sprintf("< %.0f ms", targetSingleP50Ms), d.Single.P50Ms, d.P50Verdict == "PASS")
			s.info("single no-op workflow p50", "ms", d.SingleNoop.P50Ms)
			if len(d.Rounds) > 0 {
				at := fmt.Sprintf("%d deployments at once", d.Rounds[0].Ours.Concurrency)
				s.judged(at+" / no-op, median of rounds", "x", fmt.Sprintf(">= %.1fx", targetDeployRatio), d.ThroughputRate, d.RatioVerdict == "PASS")
				s.info(at+", median throughput", "/s", d.OursPerSecond)
				s.info("no-op workflows at once, median throughput", "/s", d.NoopPerSecond)
			}
			if s3 := d.S3; s3 != nil && len(s3.S3.Rounds) > 0 {
				at := fmt.Sprintf("%d deployments at once", s3.S3.Rounds[0].Concurrency)
				s.judged(at+", deployments/s with S3 / with filesystem, side by side", "x", fmt.Sprintf(">= %.1fx", targetS3Ratio), s3.Ratio, s3.Verdict == "PASS")
				s.info(at+" with S3, median throughput", "/s", s3.PerSecond)
				s.info(at+" with filesystem beside S3, median throughput", "/s", s3.FSPerSecond)
			}
			if a := d.Approvals; a != nil {
				s.judged("approval to resume p95", "ms", fmt.Sprintf("< %.0f ms", targetApprovalP95Ms), a.P95Ms, a.Verdict == "PASS")
			}
		}
	}
	for _, m := range r.Middleware {
		s.judged("middleware p95 (d+f)-(c+e) (sign-in + permission + audit)", "ms", fmt.Sprintf("< %.1f ms", ms(targetMiddlewareP95)), m.TotalP95Ms, m.Verdict == "PASS")
		s.info("middleware noise p95 e-c (same bare write, two users)", "ms", m.NoiseBareP95Ms)
		s.info("middleware noise p95 f-d (same full write, two users)", "ms", m.NoiseFullP95Ms)
		s.info("sign-in of a read p95 b-a", "ms", m.AuthP95Ms)
	}
	for _, a := range r.Audit {
		s.judged(fmt.Sprintf("GET /api/audit/verify over %d events, median of %d", a.Seeded, a.Calls), "ms",
			fmt.Sprintf("< %.0f ms, chain intact", ms(targetAuditVerify)), a.MedianMs, a.Verdict == "PASS")
	}
	for _, k := range r.KPI {
		s.judged(fmt.Sprintf("GET /api/analytics/kpis at %d deployments, median of %d", k.Deployments, k.Calls), "ms",
			fmt.Sprintf("< %.0f ms", ms(targetKPI)), k.MedianMs, k.Verdict == "PASS")
	}
	r.Summary = s.finish()
}
