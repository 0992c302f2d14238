package main

import "github.com/tidal-forecast/tidal/cli"

// The flag helpers of package cli under the names the commands' flag blocks use.
var (
	deprecatedAlias          = cli.DeprecatedAlias
	addSeriesFlags           = cli.AddSeriesFlags
	addStaticFlags           = cli.AddStaticFlags
	addCasesFlags            = cli.AddCasesFlags
	addOutFormatFlag         = cli.AddOutFormatFlag
	addDeprecatedFormatAlias = cli.AddDeprecatedFormatAlias
)

// casesCount is --cases, a whole number of cases (cli.CasesCount).
type casesCount = cli.CasesCount
