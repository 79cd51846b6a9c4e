// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TestFalseReturnToken
/// @notice A test token whose `transfer` returns false instead of reverting when it refuses, as
/// some EIP-20 tokens do; `refuse` makes it refuse every transfer. Open mint, for tests only.
contract TestFalseReturnToken {
    mapping(address => uint256) public balanceOf;
    bool public refusing;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function mint(address to, uint256 value) external {
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function refuse(bool value) external {
        refusing = value;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        if (refusing || balanceOf[msg.sender] < value) return false;
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
