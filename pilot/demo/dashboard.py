"""The dashboard's figures for the demo: the rollups computed once the rest of the demo exists (the
schedule refreshes them every 15 minutes after that; the ministry's button at any time)."""

from pilot.dashboard.rollups import rollup_refresh_now


def seed_dashboard(out) -> None:
    refresh = rollup_refresh_now(actor=None, trigger="demo")
    if out is not None:
        out.write(f"试点总览演示数据：统计数据已更新（{refresh.rows:,} 行，用时 {refresh.seconds} 秒）。"
                  f" / dashboard rollups refreshed ({refresh.rows:,} rows).")
