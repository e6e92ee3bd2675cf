#!/usr/bin/env python3
"""Reference for the CSV load the way a notebook does it: pandas.read_csv of the
whole file, DataFrame.to_sql into a fresh SQLite database, then the same composite
index as the sqlite3 reference.   reference_pandas.py CSV DB"""
import os
import sqlite3
import sys

import pandas as pd  # optional: run.sh skips this reference when pandas is missing

csv_path, db = sys.argv[1], sys.argv[2]
for suffix in ("", "-journal", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
df = pd.read_csv(csv_path, dtype={"cmdCode": str, "period": str})
con = sqlite3.connect(db)
df.to_sql("comtrade", con, index=False, chunksize=100_000)
con.execute("CREATE INDEX comtrade_key ON comtrade(period, reporterCode, partnerCode, flowCode, cmdCode)")
con.commit()
con.close()
print(f"pandas: {len(df)} rows", file=sys.stderr)
