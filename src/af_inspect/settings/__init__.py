"""The experiment's settings as data (settings.yaml), read through `registry`."""

from af_inspect.settings.registry import (
    SettingSpec,
    check_setting,
    default_setting,
    setting_names,
    setting_of_prompt,
    setting_spec,
)

__all__ = [
    "SettingSpec",
    "check_setting",
    "default_setting",
    "setting_names",
    "setting_of_prompt",
    "setting_spec",
]
