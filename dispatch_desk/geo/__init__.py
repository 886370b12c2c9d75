"""Geography without Qt: the agency's GIS layers, the geocoder, nearest-point search, PIDF-LO
and the generated demo town."""
