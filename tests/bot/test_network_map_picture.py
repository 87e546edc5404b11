"""The network map picture."""

import io
import math

from PIL import Image

from bot.pictures.network_map import (
    HEIGHT,
    WIDTH,
    MapPerson,
    layout,
    legend_entries,
    network_map_png,
)

LABELS = {"family": "Familj", "friend": "Vänner", "school": "Skola", "professional": "Yrkespersoner", "other": "Andra"}


def test_a_map_is_a_png_and_even_an_empty_one_works():
    for people in ([], [MapPerson("Mormor Åsa", "family", 1)]):
        image = Image.open(io.BytesIO(network_map_png(people, centre="Barnet", kind_labels=LABELS)))
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)


def test_forty_people_with_long_nordic_emoji_and_html_names_are_drawn_the_same_each_time():
    people = [MapPerson(f"<b>Øystein & Äijälä-Sørensen</b> 😀 {n}", ("family", "friend", "school", "professional", "other")[n % 5], n % 3 + 1)
              for n in range(40)]
    first = network_map_png(people, centre="Lapsi", kind_labels=LABELS)
    assert first == network_map_png(people, centre="Lapsi", kind_labels=LABELS)


def test_the_closest_people_are_nearest_the_child():
    people = [MapPerson("Far", "family", 3), MapPerson("Mor", "family", 1), MapPerson("Lärare", "school", 2)]
    distances = [math.dist(p, (500, 500)) for p in layout(people)]
    assert distances[1] < distances[2] < distances[0]


def test_the_legend_shows_only_kinds_on_the_map_in_a_fixed_order():
    people = [MapPerson("A", "school", 1), MapPerson("B", "family", 2)]
    assert legend_entries(people, LABELS) == [("family", "Familj"), ("school", "Skola")]
