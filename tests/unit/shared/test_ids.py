import time
import uuid

from shared.ids import uuid7


def test_a_uuid7_is_an_rfc_9562_version_7_uuid_of_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_ids_of_later_milliseconds_sort_after_earlier_ones_and_never_repeat() -> None:
    earlier = [uuid7() for _ in range(1000)]
    time.sleep(0.002)
    later = uuid7()
    assert max(earlier) < later
    assert len(set(earlier)) == len(earlier)


def test_the_random_part_fills_all_74_bits() -> None:
    ones = 0
    for _ in range(256):
        ones |= uuid7().int
    random_bits = (0xFFF << 64) | ((1 << 62) - 1)
    assert ones & random_bits == random_bits
