// Package capacity is amrbench's capacity planner: from measured runs (each
// labelled with the SKU it ran on) it finds, per tier, the smallest SKU
// that sustains a target throughput while meeting latency objectives,
// holds a data set in its usable memory and accepts the application's
// connections, and shows the arithmetic.
//
// A run that searched for the highest rate meeting the objectives gives
// that rate; a run at one rate that met them gives a lower bound; a size
// that was not measured is extrapolated from the nearest measured size of
// its tier (the lowest of Microsoft's published scaling, per vCPU and per
// shard), and says so. A tier with no measurement is never guessed.
//
// The plan renders itself (WriteText, WriteJSON): its verdicts and the
// arithmetic behind them are sentences the planner writes as it decides,
// and the text lays them out beside the candidates' table, so the numbers
// and the words that justify them stay in one package.
//
// With prices (SetPricing, from report/prices), each recommended size shows
// its monthly price and the arithmetic behind it; without, the plan says
// why there are none.
//
// capacity reads results, the SKU catalog (report/catalog) and prices
// (report/prices); it writes no files, reads no flags and asks no network.
package capacity
