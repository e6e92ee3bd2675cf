-- China's yearly rare-earth exports (chapter 28 lines: 2805xx, 2846xx; not magnets), tonnes.
SELECT substr(period, 1, 4) AS year, round(sum(quantity_kg) / 1000.0, 1) AS tonnes,
       round(sum(value_usd) / 1e6, 1) AS musd
FROM trade
WHERE reporter = 'CHN' AND flow = 'export' AND partner <> 'WLD'
  AND (hs_code LIKE '2805%' OR hs_code LIKE '2846%')
GROUP BY 1 ORDER BY 1;
