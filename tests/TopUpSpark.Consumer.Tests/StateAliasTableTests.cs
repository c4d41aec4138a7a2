using NUnit.Framework;
using TopUpSpark.Web.Map;

namespace TopUpSpark.Consumer.Tests;

public class StateAliasTableTests
{
    private static readonly IndiaMap Map = IndiaMap.Load();
    private static readonly StateAliasTable Shipped = StateAliasTable.Load(StateAliasTable.DefaultPath, Map.RegionNames);

    [TestCase("ORISSA", "Odisha")]
    [TestCase("CHATTISGARH", "Chhattisgarh")]
    [TestCase("PONDICHERRY", "Puducherry")]
    [TestCase("UTTARANCHAL", "Uttarakhand")]
    [TestCase("DELHI", "Delhi")]
    [TestCase("NCT OF DELHI", "Delhi")]
    [TestCase("JAMMU & KASHMIR", "Jammu & Kashmir")]
    [TestCase("JAMMU AND KASHMIR", "Jammu & Kashmir")]
    [TestCase("ANDAMAN AND NICOBAR ISLANDS", "Andaman & Nicobar Island")]
    [TestCase("DADRA AND NAGAR HAVELI", "Dadara & Nagar Haveli")]
    [TestCase("DAMAN & DIU", "Daman & Diu")]
    [TestCase("TAMIL NADU", "Tamil Nadu")]
    [TestCase("TELANGANA", "Telangana")]
    [TestCase("west bengal", "West Bengal")]
    [TestCase("  Madhya   Pradesh ", "Madhya Pradesh")]
    public void The_datas_state_names_map_to_the_regions_of_the_map(string dataName, string region) =>
        Assert.That(Shipped.Resolve(dataName), Is.EqualTo(region));

    [TestCase("ATLANTIS")]
    [TestCase("<img src=x onerror=alert(1)>")]
    [TestCase("")]
    [TestCase("PRADESH")]
    public void A_name_that_is_no_region_resolves_to_nothing(string dataName) =>
        Assert.That(Shipped.Resolve(dataName), Is.Null);

    [Test]
    public void Every_region_of_the_map_is_found_under_its_own_upper_case_name()
    {
        Assert.That(Map.Regions, Has.Count.EqualTo(36), "36 states and union territories on the map");
        foreach (var region in Map.RegionNames)
            Assert.That(Shipped.Resolve(region.ToUpperInvariant()), Is.EqualTo(region));
    }

    [Test]
    public void An_alias_to_a_name_that_is_not_on_the_map_is_refused_and_the_regions_are_listed()
    {
        var error = Assert.Throws<StateAliasException>(() =>
            StateAliasTable.Parse("""{"aliases": {"ORISSA": "Orissa Pradesh"}}""", Map.RegionNames, "aliases.json"));
        Assert.That(error!.Message, Does.Contain("\"ORISSA\" maps to \"Orissa Pradesh\"").And.Contain("Odisha, Puducherry"));
    }

    [Test]
    public void One_name_cannot_mean_two_regions()
    {
        var error = Assert.Throws<StateAliasException>(() =>
            StateAliasTable.Parse("""{"aliases": {"GUJARAT": "Goa"}}""", Map.RegionNames, "aliases.json"));
        Assert.That(error!.Message, Does.Contain("already means \"Gujarat\""));
    }

    [Test]
    public void An_alias_file_that_is_not_json_says_so()
    {
        var error = Assert.Throws<StateAliasException>(() => StateAliasTable.Parse("{aliases: [", Map.RegionNames, "broken.json"));
        Assert.That(error!.Message, Does.StartWith("broken.json is not valid JSON"));
    }

    [Test]
    public void Users_add_aliases_by_editing_the_file()
    {
        var table = StateAliasTable.Parse("""{"aliases": {"KARNATAK": "Karnataka"}}""", Map.RegionNames, "mine.json");
        Assert.That(table.Resolve("KARNATAK"), Is.EqualTo("Karnataka"));
        Assert.That(table.Resolve("ORISSA"), Is.Null, "only the file's aliases apply");
    }
}
