-- Top 5 partners per rare-earth code and year, by tonnage (China's declared exports).
-- tradewatch query --file Warehouse/queries/top-partners-per-code-year.sql
WITH yearly AS (
  SELECT substr(period, 1, 4) AS year, hs_code, partner,
         round(sum(quantity_kg) / 1000.0, 1) AS tonnes,
         round(sum(value_usd) / 1e6, 2) AS musd
  FROM trade
  WHERE reporter = 'CHN' AND flow = 'export' AND partner <> 'WLD'
  GROUP BY 1, 2, 3
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY year, hs_code ORDER BY tonnes DESC) AS rank FROM yearly
)
SELECT year, hs_code, rank, partner, tonnes, musd
FROM ranked WHERE rank <= 5
ORDER BY hs_code, year, rank;
