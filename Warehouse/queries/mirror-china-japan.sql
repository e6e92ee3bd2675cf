-- Mirror table for a pair: what China declared exporting to Japan vs what Japan declared
-- importing from China, per year and HS6 heading, one source per declaration (trade_rollup;
-- China's 8-digit lines summed to 6 digits). Change the two ISO3 codes to look at another pair.
WITH exports AS (
  SELECT period AS year, hs_code AS hs6, quantity_kg AS kg, value_usd AS usd_fob, source, months
  FROM trade_rollup WHERE reporter = 'CHN' AND partner = 'JPN' AND flow = 'export'
    AND frequency = 'A' AND hs_level = 6
), imports AS (
  SELECT period AS year, hs_code AS hs6, quantity_kg AS kg, value_usd AS usd_cif, source, months
  FROM trade_rollup WHERE reporter = 'JPN' AND partner = 'CHN' AND flow = 'import'
    AND frequency = 'A' AND hs_level = 6
)
SELECT e.year, e.hs6,
       round(e.kg / 1000.0, 1) AS exported_t, round(i.kg / 1000.0, 1) AS imported_t,
       round(e.usd_fob / 1e6, 2) AS exported_musd_fob, round(i.usd_cif / 1e6, 2) AS imported_musd_cif,
       round(100.0 * (i.usd_cif - e.usd_fob) / nullif(e.usd_fob, 0), 1) AS gap_pct,
       e.source || ' (' || e.months || ' months)' AS exporter_source,
       i.source || ' (' || i.months || ' months)' AS importer_source
FROM exports e JOIN imports i USING (year, hs6)
ORDER BY e.hs6, e.year;
