-- Rejected rows of the latest runs, grouped by file and reason: what to fix upstream.
SELECT run_id, raw_file, reason, count(*) AS rows, min(raw_line) AS first_line
FROM rejected_rows
GROUP BY run_id, raw_file, reason
ORDER BY run_id DESC, rows DESC
LIMIT 50;
