package hlrlookuptest

import "slices"

// csvResultColumns are the result columns of the CSV download, after the
// uploaded file's own columns.
var csvResultColumns = []string{
	"error", "uuid",
	"request_parameters.telephone_number", "request_parameters.cache_days_private",
	"request_parameters.cache_days_global", "request_parameters.save_to_cache",
	"request_parameters.input_format", "request_parameters.output_format",
	"request_parameters.get_ported_date", "request_parameters.get_landline_status",
	"request_parameters.usa_status",
	"credits_spent", "detected_telephone_number", "formatted_telephone_number", "live_status",
	"original_network",
	"original_network_details.name", "original_network_details.mccmnc",
	"original_network_details.country_name", "original_network_details.country_iso3",
	"original_network_details.area", "original_network_details.country_prefix",
	"current_network",
	"current_network_details.name", "current_network_details.mccmnc",
	"current_network_details.country_name", "current_network_details.country_iso3",
	"current_network_details.area", "current_network_details.country_prefix",
	"is_ported", "timestamp", "telephone_number_type", "sms_email", "mms_email",
}

// ResultColumns returns the result columns of the fake service's CSV
// download (GET /batches/{id}/results?format=csv), in order: they follow the
// uploaded file's own columns. A JSON record has the same fields, nested at
// the dots. The slice is a fresh copy the caller may change.
func ResultColumns() []string {
	return slices.Clone(csvResultColumns)
}
