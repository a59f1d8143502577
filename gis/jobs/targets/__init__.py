"""The plan's targets, set against what the map measures.

- :mod:`~gis.jobs.targets.plan`: the plan file read and checked (targets, roles, rules, parameters);
  :mod:`~gis.jobs.targets.plan_lines` finds the line of each of its keys for the messages;
- :mod:`~gis.jobs.targets.measure`: every target measured on a dataset (:func:`evaluate`);
- :mod:`~gis.jobs.targets.status`: statuses, progress and the rules in words;
- :mod:`~gis.jobs.targets.labels`: results in words and tables for the page and the export;
- :mod:`~gis.jobs.targets.footprint`: what a target counts on the map.

Import from those modules; this package re-exports nothing.
"""
