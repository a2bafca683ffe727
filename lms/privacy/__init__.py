"""Personal data: the privacy notice, and the consents a school records for its pupils."""
