import enum


class TerritoryError(enum.StrEnum):
    INVALID_PARENT = "invalid_parent"
    INVALID_AREA = "invalid_area"
    INVALID_POINT = "invalid_point"
    GRID_OTHER_COMMUNITY = "grid_other_community"
    BUILDING_ALREADY_IN_GRID = "building_already_in_grid"
    COMPANY_REQUIRED = "company_required"
    COMPANY_NOT_ALLOWED = "company_not_allowed"
    NOT_A_COMPANY = "not_a_company"
    OWNER_REQUIRED = "owner_required"
    DUPLICATE_NAME = "duplicate_name"
    HEAD_EXISTS = "household_head_exists"
