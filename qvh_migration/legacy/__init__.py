"""Facts about the legacy source system (PatientCentre PC60/V83), shared by every stage that reads
its data, real or synthetic: coded fields and their code sets (``code_sets``), tables, row keys and
links (``keys``), table specs from the source catalog (``catalog``), the date grammar (``dates``)
and NHS number validity (``nhs_number``)."""
