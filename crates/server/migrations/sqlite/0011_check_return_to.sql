-- The LMS page a check returns to when it runs in the trainee's own window (in-app browsers, where
-- popups do not open or lose their opener): the check's last page goes back there with the check's
-- id only. Checked against the tenant's origins when the check starts.
ALTER TABLE identity_checks ADD COLUMN return_to TEXT;
