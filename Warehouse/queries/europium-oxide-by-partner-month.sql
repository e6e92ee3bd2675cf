-- Europium oxide (China line 28469014) exports by partner and month, in tonnes.
SELECT period, partner, round(quantity_kg / 1000.0, 2) AS tonnes,
       round(value_usd / nullif(quantity_kg, 0), 1) AS usd_per_kg, source
FROM trade_rollup
WHERE reporter = 'CHN' AND flow = 'export' AND hs_code = '28469014' AND frequency = 'M'
ORDER BY period, tonnes DESC;
