-- The latest findings, one case per event, ranked as the report ranks them (1 = most at stake),
-- with the detectors of each case's findings.
SELECT c.rank, c.severity, round(c.confidence * 100) AS confidence_pct, c.category, c.reporter, c.partner, c.via,
       c.hs_code, c.period_start, c.period_end, c.tonnes_at_stake, c.usd_at_stake, c.summary,
       (SELECT group_concat(a.detector || ' #' || a.id, ', ') FROM anomalies a WHERE a.case_id = c.id) AS findings
FROM cases c
ORDER BY c.rank
LIMIT 25;
