-- The latest findings, ranked as the report ranks them: case by case (case_rank 1 = most at stake), then findings of no case.
-- Within a case, most severe first. Raw scores are not compared: each detector's score has its own unit.
SELECT c.rank AS case_rank, a.id, a.detector, a.severity, round(a.score, 2) AS score, a.reporter, a.partner,
       a.via, a.hs_code, a.period_start, a.period_end, a.summary
FROM anomalies a LEFT JOIN cases c ON c.id = a.case_id
ORDER BY c.rank IS NULL, c.rank, CASE a.severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC, a.id
LIMIT 25;
