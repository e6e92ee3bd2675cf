-- What changed since the previous run: files loaded by the latest run and the figures
-- they revised (old value → new value).
WITH last_run AS (SELECT max(id) AS id FROM runs WHERE files_loaded > 0)
SELECT h.raw_file, h.period, h.reporter, h.partner, h.flow, h.hs_code,
       old.quantity_kg AS old_kg, h.quantity_kg AS new_kg,
       old.value_usd AS old_usd, h.value_usd AS new_usd
FROM trade_history h
JOIN files f ON f.path = h.raw_file AND f.superseded = 0
JOIN trade_history old ON old.source = h.source AND old.period = h.period AND old.reporter = h.reporter
  AND old.partner = h.partner AND old.flow = h.flow AND old.hs_code = h.hs_code AND old.superseded = 1
WHERE h.superseded = 0 AND f.loaded_at >= (SELECT started_at FROM runs WHERE id = (SELECT id FROM last_run))
ORDER BY h.period, h.hs_code
LIMIT 200;
