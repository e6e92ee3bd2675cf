-- Europium oxide (China line 28469014) exports by partner and month, in tonnes.
SELECT period, partner, round(sum(quantity_kg) / 1000.0, 2) AS tonnes,
       round(sum(value_usd) / nullif(sum(quantity_kg), 0), 1) AS usd_per_kg
FROM trade
WHERE reporter = 'CHN' AND flow = 'export' AND hs_code = '28469014'
GROUP BY period, partner
ORDER BY period, tonnes DESC;
