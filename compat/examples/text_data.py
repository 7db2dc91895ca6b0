"""Synthetic movie reviews for the text examples, the same under any Keras (numpy only).

Each review strings together 6 to 30 words: sentiment words (3 in 10, from the side of its
label, with one in five from the other side), neutral filler, punctuation and capitals, so that
TextVectorization's standardization has work to do. 4,000 reviews for training, 1,000 for
testing, half of them positive.
"""

import numpy as np

POSITIVE = ["great", "excellent", "wonderful", "loved", "superb", "brilliant", "moving",
            "funny", "charming", "masterpiece", "beautiful", "enjoyable"]
NEGATIVE = ["awful", "boring", "terrible", "hated", "dull", "weak", "mess", "predictable",
            "waste", "poor", "annoying", "worst"]
NEUTRAL = ["the", "a", "movie", "film", "plot", "actor", "scene", "it", "was", "and", "of",
           "story", "director", "ending", "music", "this", "really", "quite", "very", "but"]


def load_reviews(seed=2024, train=4000, test=1000):
    rng = np.random.RandomState(seed)

    def review(label):
        words = []
        for _ in range(rng.randint(6, 31)):
            if rng.random_sample() < 0.3:
                side = POSITIVE if (label == 1) != (rng.random_sample() < 0.2) else NEGATIVE
                word = side[rng.randint(len(side))]
            else:
                word = NEUTRAL[rng.randint(len(NEUTRAL))]
            if rng.random_sample() < 0.1:
                word = word.capitalize()
            words.append(word + (",!."[rng.randint(3)] if rng.random_sample() < 0.1 else ""))
        return " ".join(words)

    labels = rng.randint(0, 2, size=train + test)
    texts = np.array([review(label) for label in labels])
    return (texts[:train], labels[:train]), (texts[train:], labels[train:])
