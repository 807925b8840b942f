"""The Entra ID authority and token scope follow the endpoint's cloud (issue 17, item 1)."""

import pytest

from chatdesk.core.clouds import check_scope, cloud_for, entra_scope
from chatdesk.core.profiles import ConnectionProfile, ProfileError


@pytest.mark.parametrize(
    ("endpoint", "scope", "authority"),
    [
        (
            "https://contoso.openai.azure.com/",
            "https://cognitiveservices.azure.com/.default",
            "login.microsoftonline.com",
        ),
        (
            "https://contoso.cognitiveservices.azure.com/openai/v1/",
            "https://cognitiveservices.azure.com/.default",
            "login.microsoftonline.com",
        ),
        (
            "https://contoso.openai.azure.us/",
            "https://cognitiveservices.azure.us/.default",
            "login.microsoftonline.us",
        ),
        (
            "https://contoso.openai.azure.us/openai/v1/",
            "https://cognitiveservices.azure.us/.default",
            "login.microsoftonline.us",
        ),
        (
            "https://contoso.openai.azure.cn/",
            "https://cognitiveservices.azure.cn/.default",
            "login.chinacloudapi.cn",
        ),
        (
            "https://apim.example.com/aoai/",
            "https://cognitiveservices.azure.com/.default",
            "login.microsoftonline.com",
        ),
    ],
)
def test_scope_and_authority_follow_the_endpoint(endpoint, scope, authority):
    profile = ConnectionProfile("p", "azure-v1", endpoint, "gpt-4o", auth="entra")
    assert profile.scope() == scope
    assert profile.azure_cloud().authority == authority
    assert entra_scope(endpoint) == scope


def test_the_cloud_can_be_chosen_for_a_gateway():
    profile = ConnectionProfile(
        "p", "azure-v1", "https://apim.example.com/", "gpt-4o", cloud="usgovernment"
    )
    assert profile.scope() == "https://cognitiveservices.azure.us/.default"
    assert profile.azure_cloud().authority == "login.microsoftonline.us"
    assert cloud_for("https://apim.example.com/", "china").authority == "login.chinacloudapi.cn"


def test_a_scope_override_wins():
    profile = ConnectionProfile(
        "p",
        "azure-v1",
        "https://contoso.openai.azure.us/",
        "gpt-4o",
        entra_scope="api://my-gateway/.default",
    )
    assert profile.scope() == "api://my-gateway/.default"
    assert profile.azure_cloud().authority == "login.microsoftonline.us"


def test_a_bad_scope_is_named():
    assert check_scope("cognitiveservices") is not None
    profile = ConnectionProfile(
        "p", "azure-v1", "https://x.openai.azure.com/", "d", entra_scope="two words"
    )
    assert profile.check().field == "entra_scope"


def test_cloud_scope_and_tenant_round_trip_through_json():
    profile = ConnectionProfile(
        "p",
        "azure-v1",
        "https://x.openai.azure.com/openai/v1/",
        "d",
        tenant_id="contoso.onmicrosoft.com",
        cloud="china",
        entra_scope="https://cognitiveservices.azure.cn/.default",
    )
    assert ConnectionProfile.from_json(profile.to_json()) == profile
    with pytest.raises(ProfileError, match="'cloud' is 'mars'"):
        ConnectionProfile.from_json({**profile.to_json(), "cloud": "mars"})
