"""The emulator's KQL subset: exact answers inside it, KqlError outside it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_identity.emulator._kql import KqlError, parse

CLUSTERS = "/providers/Microsoft.ContainerService/managedClusters"
ROWS = [
    {
        "id": f"/subscriptions/s1/resourceGroups/RG1{CLUSTERS}/Alpha",
        "name": "Alpha",
        "type": "microsoft.containerservice/managedclusters",
        "location": "westus2",
        "properties": {"servicePrincipalProfile": {"clientId": "msi"}, "count": 3},
        "tags": {"env": "prod"},
    },
    {
        "id": "/subscriptions/s1/resourceGroups/rg2/providers/Microsoft.Network/virtualNetworks/v",
        "name": "vnet",
        "type": "microsoft.network/virtualnetworks",
        "location": "eastus",
        "properties": {"subnets": [{"name": "aks"}]},
        "tags": {},
    },
    {
        "id": f"/subscriptions/s2/resourceGroups/rg3{CLUSTERS}/beta",
        "name": "beta",
        "type": "microsoft.containerservice/managedclusters",
        "location": "westus2",
        "properties": {"servicePrincipalProfile": {"clientId": "1234"}, "count": 1},
        "tags": {"env": "dev"},
    },
]


def names(query: str) -> list[str]:
    return [r["name"] for r in parse(query).run(ROWS)]


def test_where_with_case_insensitive_equality_on_type() -> None:
    assert names("Resources | where type =~ 'Microsoft.ContainerService/managedClusters'") == [
        "Alpha",
        "beta",
    ]


def test_double_equals_is_case_sensitive() -> None:
    assert names("resources | where name == 'alpha'") == []
    assert names("resources | where name == 'Alpha'") == ["Alpha"]


def test_dynamic_paths_and_missing_values_are_null() -> None:
    assert names("resources | where properties.servicePrincipalProfile.clientId != 'msi'") == [
        "beta"
    ]
    assert names("resources | where isnull(properties.servicePrincipalProfile)") == ["vnet"]
    assert names("resources | where properties.subnets[0].name == 'aks'") == ["vnet"]
    assert names("resources | where tags['env'] =~ 'PROD'") == ["Alpha"]


def test_in_and_in_tilde_and_negations() -> None:
    assert names("resources | where name in ('beta', 'vnet')") == ["vnet", "beta"]
    assert names("resources | where name in~ ('ALPHA')") == ["Alpha"]
    assert names("resources | where name !in~ ('ALPHA', 'beta')") == ["vnet"]


def test_has_matches_whole_terms_contains_any_substring() -> None:
    assert names("resources | where id has 'managedClusters'") == ["Alpha", "beta"]
    assert names("resources | where id has 'managed'") == []
    assert names("resources | where id contains 'managed'") == ["Alpha", "beta"]
    assert names("resources | where name startswith 'AL'") == ["Alpha"]


def test_and_or_not_and_comparisons() -> None:
    assert names("resources | where properties.count > 1 and location == 'westus2'") == ["Alpha"]
    assert names("resources | where properties.count <= 1 or name == 'vnet'") == ["vnet", "beta"]
    assert names("resources | where not(location == 'westus2')") == ["vnet"]


def test_project_names_dotted_paths_with_underscores() -> None:
    rows = parse(
        "resources | where name == 'Alpha' | project id, n = tolower(name), "
        "properties.servicePrincipalProfile.clientId"
    ).run(ROWS)

    assert rows == [
        {
            "id": ROWS[0]["id"],
            "n": "alpha",
            "properties_servicePrincipalProfile_clientId": "msi",
        }
    ]


def test_extend_keeps_columns_and_sees_the_ones_before() -> None:
    rows = parse("resources | take 1 | extend upper = toupper(name), low = tolower(upper)").run(
        ROWS
    )

    assert rows[0]["upper"] == "ALPHA" and rows[0]["location"] == "westus2"
    assert rows[0]["low"] == "alpha"


def test_order_by_defaults_to_descending_and_limit() -> None:
    assert names("resources | order by name") == ["vnet", "beta", "Alpha"]
    assert names("resources | sort by location asc, name desc | limit 2") == ["vnet", "beta"]


def test_rows_are_not_modified() -> None:
    before = repr(ROWS)

    parse("resources | extend name = 'x' | project name").run(ROWS)

    assert repr(ROWS) == before


@pytest.mark.parametrize(
    ("query", "token"),
    [
        ("resources | summarize count() by location", "summarize"),
        ("resources | join (resources) on id", "join"),
        ("resources | mv-expand properties", "mv-expand"),
        ("resources | where name matches regex 'a'", "matches"),
        ("resources | where strlen(name) > 1", "strlen"),
        ("securityresources", "securityresources"),
        ("resources | where", "<EOF>"),
        ("resources | project", "<EOF>"),
        ("resources | project tolower(name)", "tolower"),
        ("resources | where name == 'a' extra", "extra"),
        ("resources | limit x", "x"),
        ("resources | where name == 'a", "'"),
    ],
)
def test_outside_the_subset_is_an_error_naming_the_token(query: str, token: str) -> None:
    with pytest.raises(KqlError) as caught:
        parse(query)

    assert caught.value.token == token


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abcXYZ'|=~()., ", max_size=30))
def test_arbitrary_text_parses_or_is_refused_never_crashes(text: str) -> None:
    try:
        query = parse(f"resources | where name == {text}")
    except KqlError:
        return
    result = query.run(ROWS)
    assert all(row in ROWS for row in result)
