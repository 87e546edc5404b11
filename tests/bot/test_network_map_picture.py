"""The network map picture."""

import io
import itertools
import math

from PIL import Image

from bot.pictures.network_map import (
    HEIGHT,
    KINDS,
    SIZE,
    WIDTH,
    MapPerson,
    label_boxes,
    layout,
    legend_entries,
    network_map_png,
    short_name,
)

LABELS = {"family": "Familj", "friend": "Vänner", "school": "Skola", "professional": "Yrkespersoner", "other": "Andra"}


def _forty(name: str) -> list[MapPerson]:
    return [MapPerson(f"{name} {n}", KINDS[n % 5], n % 3 + 1) for n in range(40)]


def _open(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # a broken PNG fails here, not only at the header
    return image


def test_a_map_is_a_png_and_even_an_empty_one_works():
    empty = network_map_png([], centre="Barnet", kind_labels=LABELS)
    one = network_map_png([MapPerson("Mormor Åsa", "family", 1)], centre="Barnet", kind_labels=LABELS)
    for png in (empty, one):
        image = _open(png)
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert empty != one  # the person is actually drawn
    # ... as a marker in the family colour (Okabe-Ito vermilion), where layout put it.
    (x, y), = layout([MapPerson("Mormor Åsa", "family", 1)], SIZE)
    assert _open(one).convert("RGB").getpixel((round(x + (WIDTH - SIZE) / 2), round(y))) == (0xD5, 0x5E, 0x00)


def test_forty_people_with_long_nordic_emoji_and_html_names_are_drawn_the_same_each_time():
    people = _forty("<b>Øystein & Äijälä-Sørensen</b> 😀 \U0010ffff æøå")
    first = network_map_png(people, centre="Lapsi", kind_labels=LABELS, title="Nätverkskarta för familjen Åberg")
    assert _open(first).size == (WIDTH, HEIGHT)
    assert first == network_map_png(people, centre="Lapsi", kind_labels=LABELS, title="Nätverkskarta för familjen Åberg")
    assert first != network_map_png(people, centre="Lapsi", kind_labels=LABELS)  # the title is drawn


def test_long_names_are_shortened_with_an_ellipsis():
    assert short_name("Å" * 24) == "Å" * 24
    assert short_name("Å" * 25) == "Å" * 23 + "…"
    assert short_name("  Mormor \n Åsa ") == "Mormor Åsa"


def test_the_closest_people_are_nearest_the_child():
    people = [MapPerson("Far", "family", 3), MapPerson("Mor", "family", 1), MapPerson("Lärare", "school", 2)]
    distances = [math.dist(p, (500, 500)) for p in layout(people, 1000)]
    assert distances[1] < distances[2] < distances[0]

    people = _forty("N")
    positions = layout(people, SIZE)
    assert len(positions) == len(people)
    by_ring = {ring: [math.dist(p, (SIZE / 2, SIZE / 2)) for p, person in zip(positions, people) if person.closeness == ring]
               for ring in (1, 2, 3)}
    assert max(by_ring[1]) < min(by_ring[2]) and max(by_ring[2]) < min(by_ring[3])


def test_people_of_a_kind_sit_together_on_their_ring():
    # Given in mixed order; going round the ring, each kind should form one run.
    people = [MapPerson(str(n), ("family", "school", "friend")[n % 3], 2) for n in range(9)]
    positions = layout(people, SIZE)
    angles = [math.atan2(y - SIZE / 2, x - SIZE / 2) for x, y in positions]
    round_the_ring = [people[i].kind for i in sorted(range(9), key=lambda i: angles[i])]
    runs = [kind for kind, _ in itertools.groupby(round_the_ring + round_the_ring[:1])]
    assert len(runs) - 1 == 3  # three kinds, three runs (the list wraps round once)


def test_names_do_not_cover_each_other_or_other_markers():
    people = _forty("Socialsekreterare Per-Åke Lindqvist")
    positions = [(x + (WIDTH - SIZE) / 2, y) for x, y in layout(people, SIZE)]
    boxes = label_boxes(people, positions, lambda text: 10 * len(text))  # about the real font's width

    def overlap(a, b):
        return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])

    assert len(boxes) == len(people)
    label_clashes = sum(overlap(a, b) for a, b in itertools.combinations(boxes, 2))
    marker_clashes = sum(overlap(box, (x - 13, y - 13, x + 13, y + 13))
                         for i, box in enumerate(boxes) for j, (x, y) in enumerate(positions) if i != j)
    assert label_clashes + marker_clashes <= 2  # 40 names of full length: nearly, if not quite, clear
    for box, (x, y) in zip(boxes, positions):
        assert 0 <= box[0] and box[2] <= WIDTH and 0 <= box[1] and box[3] <= HEIGHT
        # Each name stays beside its own marker.
        assert abs((box[1] + box[3]) / 2 - y) <= 60 and min(abs(box[0] - x), abs(box[2] - x), abs((box[0] + box[2]) / 2 - x)) <= 20


def test_the_legend_shows_only_kinds_on_the_map_in_a_fixed_order():
    people = [MapPerson("A", "school", 1), MapPerson("B", "family", 2), MapPerson("C", "school", 3)]
    assert legend_entries(people, LABELS) == [("family", "Familj"), ("school", "Skola")]
    assert legend_entries([], LABELS) == []
