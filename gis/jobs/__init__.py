"""The officer's jobs: land recovery (:mod:`~gis.jobs.recovery`, with its boundary, measurement, land users, parts, exports and
files), concentrated fields
(:mod:`~gis.jobs.fields`), the plan's targets (:mod:`gis.jobs.targets`, :mod:`~gis.jobs.targets_export`),
summaries (:mod:`~gis.jobs.summary`), parcel search and the card (:mod:`~gis.jobs.search`,
:mod:`~gis.jobs.parcel_info`), the map's vector tiles (:mod:`~gis.jobs.tiles`) and the land ledger
(:mod:`gis.jobs.ledger`)."""
