# Report: steps/report renders report.html; its browser test opens it in Debian's chromium.

.PHONY: report-deps
report-deps: ## install chromium for the report's headless-browser test (first use only)
	@scripts/ensure-packages chromium=chromium
