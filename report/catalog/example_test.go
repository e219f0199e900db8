package catalog_test

import (
	"fmt"

	"github.com/amrbench/amrbench/report/catalog"
)

func ExampleCatalog_Lookup() {
	c, err := catalog.DefaultCatalog()
	if err != nil {
		fmt.Println(err)
		return
	}
	sku, err := c.Lookup("Balanced_B10")
	if err != nil {
		fmt.Println(err)
		return
	}
	usable, _ := sku.DataCapacity()
	fmt.Printf("%s %s: %v GB (%s), %v GB usable (%s), %v vCPUs, %v connections\n",
		sku.Tier, sku.Name, sku.MemoryGB.Value, sku.MemoryGB.Kind(), usable.Value, usable.Kind(), sku.VCPUs.Value, sku.MaxConnections.Value)
	_, err = c.Lookup("B11")
	fmt.Println(err)
	// Output:
	// Balanced B10: 12 GB (published), 9.6 GB usable (derived), 4 vCPUs, 30000 connections
	// unknown SKU "B11": Balanced sizes are B0, B1, B3, B5, B10, B20, B50, B100, B150, B250, B350, B500, B700, B1000 (amrbench tiers lists them all)
}

func ExampleAzureDefaults() {
	az, ok := catalog.AzureDefaults("mycache.westeurope.redis.azure.net")
	fmt.Println(az.Service, az.Port, az.TLS, ok)
	c, _ := catalog.DefaultCatalog()
	e10, _ := c.Lookup("E10")
	fmt.Println("E10 sold by", az.Service+":", e10.SoldBy(az.Service))
	// Output:
	// Azure Managed Redis 10000 true true
	// E10 sold by Azure Managed Redis: false
}

func ExamplePrefillKeys() {
	// Microsoft's example: an X3 (3 GB) filled to 75 % with 1 KB values.
	fmt.Println(catalog.PrefillKeys(3, 0.75, 1024))
	// Output: 1699396
}
