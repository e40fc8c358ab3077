"""aiconfigurator's files read safely, grouped by format.

- ``folders``: ``--save-dir`` folders and their zips, read into memory within limits;
  ``runs``: the run settings a folder's YAML files give.
- ``csv_values`` (cells), ``csv_rows`` (result tables), ``csv_specs`` (a table row -> Spec).
- ``yaml_inputs`` (``cli exp`` / ``exp_config`` inputs, any version), ``yaml_documents``
  (design and candidate YAML), ``yaml_generator`` (``generator_config.yaml``).
- ``launch``: the launch scripts and k8s manifests aiconfigurator generated.

Nothing here builds a task: the importer turns what the readers give into candidates.
"""
