"""A page of the Drugs list shows each drug's classes as its detail does: every class the drug
is in (archived classes too), each with id, code, name and class type, ordered by type and then
name in code-point order (upper case before lower, accents after), ties by id."""

import sqlalchemy as sa

from database import db
from models import Drug, DrugClass, drug_class_memberships, utcnow

CLASSES = [  # (code, type, name), in no particular order
    ("C1", "EPC", "beta blocker"),
    ("C2", "EPC", "Zeta agent"),
    ("C3", "MoA", "Éclair inhibitor"),
    ("C4", "EPC", "Beta Blocker"),
    ("C5", "CS", "zinc compounds"),
    ("C6", "EPC", "beta blocker"),  # same type and name as C1: the lower id first
    ("C7", "MoA", "Eclair inhibitor"),
]


def test_a_list_item_shows_the_classes_of_the_detail_in_the_same_order(viewer):
    drug = Drug(set_id="11111111-2222-4333-8444-555555555555", title="MINE TABLET")
    bare = Drug(set_id="11111111-2222-4333-8444-555555555556", title="NO CLASS TABLET")
    classes = [
        DrugClass(code=code, coding_system="x", class_type=kind, name=name)
        for code, kind, name in CLASSES
    ]
    db.session.add_all([drug, bare, *classes])
    db.session.flush()
    db.session.execute(
        sa.insert(drug_class_memberships),
        [{"drug_id": drug.id, "drug_class_id": c.id} for c in classes],
    )
    classes[3].archived_at = utcnow()  # an archived class still names the drug's class
    db.session.commit()

    listed = {item["title"]: item for item in viewer.get("/api/drugs").json["data"]}
    detail = viewer.get(f"/api/drugs/{drug.id}").json["data"]
    assert listed["MINE TABLET"]["classes"] == detail["classes"]
    assert [c["code"] for c in detail["classes"]] == ["C5", "C4", "C2", "C1", "C6", "C7", "C3"]
    assert detail["classes"][0] == {
        "id": classes[4].id,
        "code": "C5",
        "name": "zinc compounds",
        "class_type": "CS",
    }
    assert listed["NO CLASS TABLET"]["classes"] == []


def test_a_page_reads_its_classes_in_one_statement_however_many_drugs_it_lists(viewer):
    classes = [
        DrugClass(code=f"K{n}", coding_system="x", class_type="EPC", name=f"class {n}")
        for n in range(6)
    ]
    drugs = [
        Drug(set_id=f"11111111-2222-4333-8444-{n:012d}", title=f"DRUG {n:02d} TABLET")
        for n in range(30)
    ]
    db.session.add_all([*classes, *drugs])
    db.session.flush()
    db.session.execute(
        sa.insert(drug_class_memberships),
        [
            {"drug_id": drug.id, "drug_class_id": c.id}
            for n, drug in enumerate(drugs)
            for c in classes[n % 3 : n % 3 + 3]  # shared by many drugs of a page
        ],
    )
    db.session.commit()

    def statements_for(per_page: int) -> tuple[int, list]:
        seen: list[str] = []

        def count(conn, cursor, statement, *rest) -> None:
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = viewer.get(f"/api/drugs?per_page={per_page}").json["data"]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen), page

    few, small_page = statements_for(2)
    many, big_page = statements_for(30)
    assert few == many
    assert [c["code"] for c in big_page[4]["classes"]] == ["K1", "K2", "K3"]
    assert [item["title"] for item in small_page] == ["DRUG 00 TABLET", "DRUG 01 TABLET"]
