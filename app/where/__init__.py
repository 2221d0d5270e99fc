"""``/v1/where``: the place of a point (country, time zone, emergency numbers) with the alerts
and area services covering it. A face over countries, alerts and area services."""
