"""Embedded word lists for synthetic identities: common words combined at random, no real people.

Postcode areas are QVH's catchment (East Grinstead, RH19, across Sussex, Surrey, Kent and south
London); burns patients come from the whole South East.
"""

from __future__ import annotations

# fmt: off
# (area, lowest district, highest district, weight, towns)
POSTCODE_AREAS: tuple[tuple[str, int, int, float, tuple[str, ...]], ...] = (
    ("RH", 1, 20, 0.3, ("EAST GRINSTEAD", "CRAWLEY", "HORLEY", "REDHILL", "HAYWARDS HEATH", "LINGFIELD")),
    ("TN", 1, 40, 0.2, ("TUNBRIDGE WELLS", "CROWBOROUGH", "UCKFIELD", "EDENBRIDGE", "SEVENOAKS")),
    ("BN", 1, 45, 0.14, ("BRIGHTON", "LEWES", "HOVE", "WORTHING", "BURGESS HILL", "EASTBOURNE")),
    ("CR", 0, 8, 0.05, ("CROYDON", "CATERHAM", "PURLEY")),
    ("BR", 1, 8, 0.04, ("BROMLEY", "ORPINGTON", "BECKENHAM")),
    ("ME", 1, 20, 0.05, ("MAIDSTONE", "ROCHESTER", "CHATHAM")),
    ("GU", 1, 35, 0.05, ("GUILDFORD", "GODALMING", "HASLEMERE")),
    ("KT", 1, 24, 0.04, ("KINGSTON", "EPSOM", "LEATHERHEAD")),
    ("SM", 1, 7, 0.02, ("SUTTON", "MORDEN")),
    ("SE", 1, 28, 0.05, ("LONDON",)),
    ("SW", 1, 20, 0.03, ("LONDON",)),
    ("E", 1, 18, 0.01, ("LONDON",)),
    ("N", 1, 22, 0.01, ("LONDON",)),
    ("PO", 1, 22, 0.01, ("CHICHESTER", "PORTSMOUTH")),
)
# Districts with a letter after the digit (A9A and AA9A shapes).
LETTERED_DISTRICTS: tuple[str, ...] = (
    "W1D", "W1T", "EC1A", "EC2M", "SW1A", "SW1P", "WC1E", "WC2H", "SE1P",
)
COUNTIES: dict[str, str] = {
    "RH": "WEST SUSSEX", "TN": "EAST SUSSEX", "BN": "EAST SUSSEX", "CR": "SURREY", "BR": "KENT",
    "ME": "KENT", "GU": "SURREY", "KT": "SURREY", "SM": "SURREY", "SE": "", "SW": "", "E": "", "N": "",
    "PO": "WEST SUSSEX",
}
# Pseudo-postcodes are legitimate: no fixed abode, not known, England not otherwise specified.
PSEUDO_POSTCODES: tuple[str, ...] = (
    "ZZ99 3VZ", "ZZ99 3WZ", "ZZ99 3CZ",
)
SURNAMES: tuple[str, ...] = (
    "SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "ROBINSON", "WRIGHT",
    "THOMPSON", "EVANS", "WALKER", "WHITE", "ROBERTS", "GREEN", "HALL", "WOOD", "JACKSON", "CLARKE",
    "PATEL", "HARRIS", "LEWIS", "HUGHES", "MARTIN", "COOPER", "KING", "MORRIS", "BAKER", "HILL", "MOORE",
    "WARD", "TURNER", "CARTER", "PHILLIPS", "MITCHELL", "PARKER", "COLLINS", "BENNETT", "SHAW", "COOK",
    "BAILEY", "RICHARDSON", "BELL", "KHAN", "ALLEN", "YOUNG", "MORGAN", "PRICE", "GRIFFITHS", "HUNT",
    "MASON", "HOLMES", "PALMER", "FOSTER", "BARNES", "FISHER", "ELLIS", "GRAHAM", "KNIGHT", "HARVEY",
    "WEBB", "STEVENS", "MARSHALL", "MURPHY", "DIXON", "BUTLER", "FLETCHER", "HAWKINS", "PEARCE", "ATKINSON",
    "ANDREWS", "GIBSON", "KELLY", "CHAPMAN", "OSBORNE", "NOWAK", "KOWALSKI", "SINGH", "AHMED", "OKAFOR",
    "MENSAH", "CHEN", "WONG", "NGUYEN", "SANTOS", "FERREIRA", "ROSSI", "MULLER", "O'BRIEN", "MCDONALD",
    "FITZGERALD", "ASHDOWN", "BRAMBLE", "CHALK", "DENMAN", "FAIRWEATHER", "GATLAND", "HOLLOWAY", "LUXFORD",
    "MEPHAM", "PENFOLD", "STREETER", "TESTER", "VERRALL", "WICKENS", "HEASMAN", "BOORER",
)
MALE_FORENAMES: tuple[str, ...] = (
    "JAMES", "JOHN", "DAVID", "MICHAEL", "PETER", "ROBERT", "PAUL", "RICHARD", "ANDREW", "MARK", "STEPHEN",
    "CHRISTOPHER", "THOMAS", "DANIEL", "MATTHEW", "GEORGE", "WILLIAM", "JACK", "HARRY", "OLIVER", "CHARLIE",
    "ALFIE", "NOAH", "LEO", "OSCAR", "ARTHUR", "ALAN", "BRIAN", "KEITH", "GRAHAM", "COLIN", "RAYMOND",
    "DEREK", "TREVOR", "MOHAMMED", "ADAM", "RYAN", "JOSHUA", "SAMUEL", "LUKE", "BEN", "IAN", "GARY",
    "KEVIN", "NEIL", "SIMON", "TOBY", "FREDDIE", "ARJUN", "KWAME", "TOMASZ", "PIOTR",
)
FEMALE_FORENAMES: tuple[str, ...] = (
    "MARY", "SUSAN", "MARGARET", "PATRICIA", "ELIZABETH", "SARAH", "EMMA", "CLAIRE", "HELEN", "JULIE",
    "KAREN", "LISA", "JOANNE", "NICOLA", "RACHEL", "LAURA", "REBECCA", "CHARLOTTE", "SOPHIE", "OLIVIA",
    "AMELIA", "ISLA", "AVA", "MIA", "GRACE", "LILY", "FREYA", "POPPY", "EVIE", "JEAN", "BARBARA", "JOAN",
    "DOROTHY", "BRENDA", "SHEILA", "PAMELA", "CAROL", "ANN", "LINDA", "JACQUELINE", "GILLIAN", "DEBORAH",
    "HANNAH", "CHLOE", "JESSICA", "AMY", "PRIYA", "FATIMA", "AISHA", "AGNIESZKA", "CHIOMA", "MEI",
)
MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTW"
# Street names fit a 20-character line with a house number up to 3 digits.
STREETS: tuple[str, ...] = (
    "CHURCH ROAD", "HIGH STREET", "LONDON ROAD", "STATION ROAD", "MILL LANE", "PARK ROAD", "THE AVENUE",
    "VICTORIA ROAD", "QUEENS ROAD", "MANOR WAY", "ORCHARD CLOSE", "WOODLAND RISE", "ASHDOWN VIEW",
    "MEADOW WAY", "FOREST ROW", "HOLTYE ROAD", "LEWES ROAD", "GRANGE ROAD", "ELM CLOSE", "OAK AVENUE",
    "BEECH GROVE", "WILLOW WALK", "HAZEL DRIVE", "KINGS ROAD", "WEST STREET", "NORTH END", "SOUTH VIEW",
    "COPTHORNE ROAD", "FELBRIDGE LANE", "PORTLAND ROAD", "MOAT ROAD", "BLACKWELL ROAD",
)
LOCALITIES: tuple[str, ...] = (
    "", "", "", "FELBRIDGE", "FOREST ROW", "DORMANSLAND", "SHARPTHORNE", "TURNERS HILL", "ASHURST WOOD",
    "NUTLEY", "HARTFIELD", "COPTHORNE", "HANDCROSS", "COWDEN",
)
NOK_RELATIONSHIPS: tuple[str, ...] = (
    "SPOUSE", "WIFE", "HUSBAND", "PARTNER", "MOTHER", "FATHER", "SON", "DAUGHTER", "SISTER", "BROTHER",
    "FRIEND", "CARER",
)
# fmt: on
