-- China's yearly rare-earth exports (chapter 28 headings 2805 and 2846; not magnets), tonnes,
-- one source per figure (trade_rollup): compare with Pipelines/reference/china_ree_exports_published.csv.
-- months < 12: the year is not complete in the source that answers.
SELECT period AS year, round(sum(quantity_kg) / 1000.0, 1) AS tonnes,
       round(sum(value_usd) / 1e6, 1) AS musd, min(months) AS months,
       group_concat(DISTINCT source) AS sources
FROM trade_rollup
WHERE reporter = 'CHN' AND flow = 'export' AND partner <> 'WLD' AND frequency = 'A'
  AND hs_level = 4 AND hs_code IN ('2805', '2846')
GROUP BY 1 ORDER BY 1;
