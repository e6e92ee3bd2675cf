-- The latest findings, most severe first.
SELECT id, detector, severity, round(score, 2) AS score, reporter, partner, via, hs_code,
       period_start, period_end, summary
FROM anomalies
ORDER BY CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC, score DESC
LIMIT 25;
