-- The register of schools, colleges and settings (GIAS URN or UKPRN). National reference data,
-- not a tenant's: a setting over the border or an independent school is named like any other.

CREATE TABLE settings (
    urn TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    placement_type TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT '',
    la_code TEXT NOT NULL
);

CREATE INDEX settings_la_code ON settings (la_code);
