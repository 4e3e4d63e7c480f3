-- The flows of a plan's annual reviews and amendments (domain::kpi::review_flows), written
-- by the domain as text ("review_due:2027-04-20 review_held:2027-04-10 ..."): a case has any
-- number of reviews, and the store keeps their flows counted in kpi_flows like the others.
-- Cases stored before reviews were recorded have none.
ALTER TABLE cases ADD COLUMN review_flows TEXT NOT NULL DEFAULT '';
