-- Mirror table for a pair: what China declared exporting to Japan vs what Japan declared
-- importing from China, per year and HS6 heading (China's 8-digit lines rolled up).
-- Change the two ISO3 codes to look at another pair.
WITH exports AS (
  SELECT substr(period, 1, 4) AS year, substr(hs_code, 1, 6) AS hs6,
         sum(quantity_kg) AS kg, sum(value_usd) AS usd_fob
  FROM trade WHERE reporter = 'CHN' AND partner = 'JPN' AND flow = 'export' GROUP BY 1, 2
), imports AS (
  SELECT substr(period, 1, 4) AS year, substr(hs_code, 1, 6) AS hs6,
         sum(quantity_kg) AS kg, sum(value_usd) AS usd_cif
  FROM trade WHERE reporter = 'JPN' AND partner = 'CHN' AND flow = 'import' GROUP BY 1, 2
)
SELECT e.year, e.hs6,
       round(e.kg / 1000.0, 1) AS exported_t, round(i.kg / 1000.0, 1) AS imported_t,
       round(e.usd_fob / 1e6, 2) AS exported_musd_fob, round(i.usd_cif / 1e6, 2) AS imported_musd_cif,
       round(100.0 * (i.usd_cif - e.usd_fob) / nullif(e.usd_fob, 0), 1) AS gap_pct
FROM exports e JOIN imports i USING (year, hs6)
ORDER BY e.hs6, e.year;
