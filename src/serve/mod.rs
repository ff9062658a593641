//! Live preview: `guidepost serve` (see mod docs once implemented).
