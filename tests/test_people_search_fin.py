"""FIN-shaped search text: a known FIN answers from the index; otherwise it is a name search."""
from talent.extensions import db
from talent.people.services import search_trainees
from talent.permissions import Actor


def test_fin_shaped_text_finds_the_fin_or_falls_back_to_names(factory):
    center = factory.center()
    admin = Actor.for_user(factory.center_admin(center))
    ismayilov = factory.trainee(last_name="İsmayılov", first_name="Tural", registered_by_center_id=center.id)
    holder = factory.trainee(fin="ISMAYIL", last_name="Quliyev", registered_by_center_id=center.id)
    db.session.commit()
    assert [t.id for t in search_trainees(admin, "ismayil").items] == [holder.id]
    holder.fin = "7ABCDEF"
    db.session.commit()
    assert [t.id for t in search_trainees(admin, "ismayil").items] == [ismayilov.id]
    assert [t.id for t in search_trainees(admin, " 7abcdef ").items] == [holder.id]


def test_known_fin_outside_the_scope_is_not_shown(factory):
    mine, other = factory.center(), factory.center()
    admin = Actor.for_user(factory.center_admin(mine))
    factory.trainee(fin="AB12CD3", registered_by_center_id=other.id)
    db.session.commit()
    assert search_trainees(admin, "AB12CD3").items == []
