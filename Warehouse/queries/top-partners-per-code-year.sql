-- Top 5 partners per rare-earth code and year, by tonnage (China's declared exports, 8-digit
-- lines, one source per figure).
-- tradewatch query --file Warehouse/queries/top-partners-per-code-year.sql
WITH yearly AS (
  SELECT period AS year, hs_code, partner,
         round(quantity_kg / 1000.0, 1) AS tonnes,
         round(value_usd / 1e6, 2) AS musd, months
  FROM trade_rollup
  WHERE reporter = 'CHN' AND flow = 'export' AND partner <> 'WLD' AND frequency = 'A' AND hs_level = 8
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY year, hs_code ORDER BY tonnes DESC) AS rank FROM yearly
)
SELECT year, hs_code, rank, partner, tonnes, musd, months
FROM ranked WHERE rank <= 5
ORDER BY hs_code, year, rank;
