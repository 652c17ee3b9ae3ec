"""Owners' models: the constants other apps build on."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import ResidentFactory


def test_one_channel_list_for_the_whole_product():
    from owners.models import Channel

    assert Channel.values == ["sms", "email", "push", "portal"]


@pytest.mark.django_db
def test_a_resident_prefers_a_channel_that_reaches_them_outside_the_portal():
    from owners.models import Channel

    resident = ResidentFactory(preferred_channel=Channel.EMAIL)
    resident.full_clean()
    resident.preferred_channel = Channel.PORTAL  # every notice shows in the portal anyway
    with pytest.raises(ValidationError) as refused:
        resident.full_clean()
    assert "preferred_channel" in refused.value.message_dict
