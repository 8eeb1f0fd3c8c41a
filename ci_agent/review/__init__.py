"""Pull-request review: findings, verification, engines and the review pipeline."""
